import{a as o,b as e}from"./chunk-ZCNQNCKX.js";import"./chunk-UESNFUQT.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadModule,e as createRailroadServices};
//# sourceMappingURL=railroad-74A4TZTK-AFJJ4IVR.js.map
