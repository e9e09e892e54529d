import{a as o,b as r,c as t}from"./chunk-4OA574B4.js";import"./chunk-KVM6MA2X.js";import{e as a}from"./chunk-CZDRIFFD.js";a();export{t as default,o as en,r as kaa};
//# sourceMappingURL=percentages-BXMCSKIN-E6S3BNP5.js.map
