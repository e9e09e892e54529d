import{a as o,b as e}from"./chunk-256N4XBX.js";import"./chunk-UESNFUQT.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadEbnfModule,e as createRailroadEbnfServices};
//# sourceMappingURL=railroad-ebnf-LZEXJU2U-2MNFVNOO.js.map
