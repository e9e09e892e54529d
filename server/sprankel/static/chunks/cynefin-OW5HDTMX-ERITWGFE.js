import{a as r,b as i}from"./chunk-EUJVQORI.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as CynefinModule,i as createCynefinServices};
//# sourceMappingURL=cynefin-OW5HDTMX-ERITWGFE.js.map
