import{a as e,b as a}from"./chunk-5P2GOF6N.js";import"./chunk-4SYF3KK6.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{e as RadarModule,a as createRadarServices};
//# sourceMappingURL=radar-RG4KPBEZ-YTUL257T.js.map
