import{a as e,b as t}from"./chunk-GSGHXO6R.js";import"./chunk-UESNFUQT.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{e as GitGraphModule,t as createGitGraphServices};
//# sourceMappingURL=gitGraph-4MIJSDKK-REMR2Y4M.js.map
