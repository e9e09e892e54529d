import{d as o}from"./chunk-MLGN677X.js";import{a as r}from"./chunk-OLU5HDUR.js";import{e as m}from"./chunk-CZDRIFFD.js";m();var c=r((t,e)=>{let n;return e==="sandbox"&&(n=o("#i"+t)),(e==="sandbox"?o(n.nodes()[0].contentDocument.body):o("body")).select(`[id="${t}"]`)},"getDiagramElement");export{c as a};
//# sourceMappingURL=chunk-IWV3ORJ6.js.map
