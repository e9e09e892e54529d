import{a as r,b as i}from"./chunk-GFL3BYIQ.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as PieModule,i as createPieServices};
//# sourceMappingURL=pie-WAS4IAKB-BECGAJ76.js.map
