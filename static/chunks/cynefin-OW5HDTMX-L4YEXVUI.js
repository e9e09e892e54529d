import{a as r,b as i}from"./chunk-ZIMEPJQ6.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as CynefinModule,i as createCynefinServices};
//# sourceMappingURL=cynefin-OW5HDTMX-L4YEXVUI.js.map
