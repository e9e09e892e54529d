import{a as r,b as o}from"./chunk-25G6S4L3.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as WardleyModule,o as createWardleyServices};
//# sourceMappingURL=wardley-WFR3VGLG-I2DSLLMQ.js.map
