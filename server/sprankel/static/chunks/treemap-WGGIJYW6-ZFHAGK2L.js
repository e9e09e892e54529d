import{a as r,b as m}from"./chunk-QC37F57O.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as TreemapModule,m as createTreemapServices};
//# sourceMappingURL=treemap-WGGIJYW6-ZFHAGK2L.js.map
