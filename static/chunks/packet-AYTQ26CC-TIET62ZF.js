import{a as r,b as t}from"./chunk-RA2WPGJP.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as PacketModule,t as createPacketServices};
//# sourceMappingURL=packet-AYTQ26CC-TIET62ZF.js.map
