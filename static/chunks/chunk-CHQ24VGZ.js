import{_ as c}from"./chunk-MAUPPAKG.js";import{d as e}from"./chunk-BTN6AYYZ.js";import{a as s}from"./chunk-7IZQHV7Z.js";import{e as n}from"./chunk-CZDRIFFD.js";n();var v=s(t=>{let{securityLevel:m}=c(),o=e("body");if(m==="sandbox"){let r=e(`#i${t}`).node()?.contentDocument??document;o=e(r.body)}return o.select(`#${t}`)},"selectSvgElement");export{v as a};
//# sourceMappingURL=chunk-CHQ24VGZ.js.map
