import{a as o,b as e}from"./chunk-2EFQ3QGY.js";import"./chunk-4SYF3KK6.js";import{e as r}from"./chunk-CZDRIFFD.js";r();export{o as RailroadAbnfModule,e as createRailroadAbnfServices};
//# sourceMappingURL=railroad-abnf-HS5TGJTU-4YRPGXQZ.js.map
