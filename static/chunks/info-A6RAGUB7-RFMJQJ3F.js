import{a as e,b as r}from"./chunk-LPWPXMUL.js";import"./chunk-4SYF3KK6.js";import{e as o}from"./chunk-CZDRIFFD.js";o();export{e as InfoModule,r as createInfoServices};
//# sourceMappingURL=info-A6RAGUB7-RFMJQJ3F.js.map
