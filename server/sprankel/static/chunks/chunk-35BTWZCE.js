import{a as t}from"./chunk-OLU5HDUR.js";import{e as i}from"./chunk-CZDRIFFD.js";i();function o(c,e){c.accDescr&&e.setAccDescription?.(c.accDescr),c.accTitle&&e.setAccTitle?.(c.accTitle),c.title&&e.setDiagramTitle?.(c.title)}t(o,"populateCommonDb");export{o as a};
//# sourceMappingURL=chunk-35BTWZCE.js.map
