import{a as o,b as r,c as t}from"./chunk-NARGUZLS.js";import"./chunk-YIFMBYB3.js";import{e as a}from"./chunk-CZDRIFFD.js";a();export{t as default,o as en,r as kaa};
//# sourceMappingURL=percentages-BXMCSKIN-CEWP4ZDT.js.map
