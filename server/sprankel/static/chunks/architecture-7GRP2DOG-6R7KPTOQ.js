import{a as r,b as t}from"./chunk-NIEQ23F6.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as ArchitectureModule,t as createArchitectureServices};
//# sourceMappingURL=architecture-7GRP2DOG-6R7KPTOQ.js.map
