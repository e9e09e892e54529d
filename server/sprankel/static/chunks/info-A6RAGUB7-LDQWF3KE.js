import{a as e,b as r}from"./chunk-FNNDELNM.js";import"./chunk-UESNFUQT.js";import{e as o}from"./chunk-CZDRIFFD.js";o();export{e as InfoModule,r as createInfoServices};
//# sourceMappingURL=info-A6RAGUB7-LDQWF3KE.js.map
