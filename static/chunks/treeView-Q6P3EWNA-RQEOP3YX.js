import{a as r,b as i}from"./chunk-3ROXCRSN.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as TreeViewModule,i as createTreeViewServices};
//# sourceMappingURL=treeView-Q6P3EWNA-RQEOP3YX.js.map
