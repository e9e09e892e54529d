import{a as e,b as a}from"./chunk-XVOKV2DV.js";import"./chunk-UESNFUQT.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{e as RadarModule,a as createRadarServices};
//# sourceMappingURL=radar-RG4KPBEZ-PXQOIRUN.js.map
