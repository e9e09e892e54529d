import{a as o,b as e}from"./chunk-7XSJIEXB.js";import"./chunk-UESNFUQT.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadAbnfModule,e as createRailroadAbnfServices};
//# sourceMappingURL=railroad-abnf-HS5TGJTU-6XALOJSS.js.map
