import{a as t}from"./chunk-7IZQHV7Z.js";import{e as i}from"./chunk-CZDRIFFD.js";i();function o(c,e){c.accDescr&&e.setAccDescription?.(c.accDescr),c.accTitle&&e.setAccTitle?.(c.accTitle),c.title&&e.setDiagramTitle?.(c.title)}t(o,"populateCommonDb");export{o as a};
//# sourceMappingURL=chunk-T6AVBEDL.js.map
