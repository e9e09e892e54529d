import{a as r,b as t}from"./chunk-P2S3DVMA.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as ArchitectureModule,t as createArchitectureServices};
//# sourceMappingURL=architecture-7GRP2DOG-DIGF7KQ4.js.map
