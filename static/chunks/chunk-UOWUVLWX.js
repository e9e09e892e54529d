import{d as o}from"./chunk-BTN6AYYZ.js";import{a as r}from"./chunk-7IZQHV7Z.js";import{e as m}from"./chunk-CZDRIFFD.js";m();var c=r((t,e)=>{let n;return e==="sandbox"&&(n=o("#i"+t)),(e==="sandbox"?o(n.nodes()[0].contentDocument.body):o("body")).select(`[id="${t}"]`)},"getDiagramElement");export{c as a};
//# sourceMappingURL=chunk-UOWUVLWX.js.map
