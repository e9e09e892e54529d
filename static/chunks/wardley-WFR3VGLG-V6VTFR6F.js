import{a as r,b as o}from"./chunk-3S2AWUMQ.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as WardleyModule,o as createWardleyServices};
//# sourceMappingURL=wardley-WFR3VGLG-V6VTFR6F.js.map
