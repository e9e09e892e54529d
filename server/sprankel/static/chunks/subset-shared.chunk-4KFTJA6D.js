import{a,b as o,c as t,d as m}from"./chunk-PN3CBWLX.js";import"./chunk-6JB4HIWF.js";import"./chunk-YIFMBYB3.js";import{e as s}from"./chunk-CZDRIFFD.js";s();export{a as Commands,o as subsetToBase64,t as subsetToBinary,m as toBase64};
//# sourceMappingURL=subset-shared.chunk-4KFTJA6D.js.map
