import{a as r,b as m}from"./chunk-MIKXMBAR.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as TreemapModule,m as createTreemapServices};
//# sourceMappingURL=treemap-WGGIJYW6-3DTW7XDI.js.map
