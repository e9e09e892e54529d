import{a,b as o,c as t,d as m}from"./chunk-R2YGTV2O.js";import"./chunk-DUYBPAZO.js";import"./chunk-KVM6MA2X.js";import{e as s}from"./chunk-CZDRIFFD.js";s();export{a as Commands,o as subsetToBase64,t as subsetToBinary,m as toBase64};
//# sourceMappingURL=subset-shared.chunk-MCHVBJDX.js.map
