import{a as o,b as e}from"./chunk-GGIRK2IR.js";import"./chunk-4SYF3KK6.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadModule,e as createRailroadServices};
//# sourceMappingURL=railroad-74A4TZTK-W2NAFDZ5.js.map
