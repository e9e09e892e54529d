import{a as r,b as i}from"./chunk-G5BDB6Q5.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as PieModule,i as createPieServices};
//# sourceMappingURL=pie-WAS4IAKB-O23GELDO.js.map
