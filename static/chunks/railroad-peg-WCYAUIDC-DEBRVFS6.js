import{a as r,b as o}from"./chunk-GKTOAKQB.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as RailroadPegModule,o as createRailroadPegServices};
//# sourceMappingURL=railroad-peg-WCYAUIDC-DEBRVFS6.js.map
