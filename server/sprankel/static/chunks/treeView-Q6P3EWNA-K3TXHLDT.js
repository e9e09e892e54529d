import{a as r,b as i}from"./chunk-5MTTYPFV.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as TreeViewModule,i as createTreeViewServices};
//# sourceMappingURL=treeView-Q6P3EWNA-K3TXHLDT.js.map
