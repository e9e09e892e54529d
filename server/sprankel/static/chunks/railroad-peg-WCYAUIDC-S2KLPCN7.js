import{a as r,b as o}from"./chunk-IBIKSVK4.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as RailroadPegModule,o as createRailroadPegServices};
//# sourceMappingURL=railroad-peg-WCYAUIDC-S2KLPCN7.js.map
