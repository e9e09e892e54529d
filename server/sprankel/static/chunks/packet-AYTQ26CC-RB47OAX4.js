import{a as r,b as t}from"./chunk-LO6IFYL3.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{r as PacketModule,t as createPacketServices};
//# sourceMappingURL=packet-AYTQ26CC-RB47OAX4.js.map
