import{_ as c}from"./chunk-T2DRXS6R.js";import{d as e}from"./chunk-MLGN677X.js";import{a as s}from"./chunk-OLU5HDUR.js";import{e as n}from"./chunk-CZDRIFFD.js";n();var v=s(t=>{let{securityLevel:m}=c(),o=e("body");if(m==="sandbox"){let r=e(`#i${t}`).node()?.contentDocument??document;o=e(r.body)}return o.select(`#${t}`)},"selectSvgElement");export{v as a};
//# sourceMappingURL=chunk-4CUIWCKW.js.map
