import{rk as t,sk as e,tk as o}from"./chunk-ZS7BGD7P.js";import"./chunk-6JB4HIWF.js";import"./chunk-YIFMBYB3.js";import{e as a}from"./chunk-CZDRIFFD.js";a();export{o as decodePngMetadata,e as encodePngMetadata,t as getTEXtChunk};
//# sourceMappingURL=image-GAAHSSAO-RQ2GT2ZS.js.map
