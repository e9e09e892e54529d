import{a as e,b as t}from"./chunk-4FMMFUTJ.js";import"./chunk-4SYF3KK6.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{e as GitGraphModule,t as createGitGraphServices};
//# sourceMappingURL=gitGraph-4MIJSDKK-UP5L5SYA.js.map
