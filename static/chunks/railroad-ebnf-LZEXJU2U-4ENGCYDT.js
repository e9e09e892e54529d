import{a as o,b as e}from"./chunk-6ZEFPZZX.js";import"./chunk-4SYF3KK6.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadEbnfModule,e as createRailroadEbnfServices};
//# sourceMappingURL=railroad-ebnf-LZEXJU2U-4ENGCYDT.js.map
