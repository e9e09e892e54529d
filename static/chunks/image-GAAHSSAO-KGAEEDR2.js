import{rk as t,sk as e,tk as o}from"./chunk-YN4YHEXN.js";import"./chunk-DUYBPAZO.js";import"./chunk-KVM6MA2X.js";import{e as a}from"./chunk-CZDRIFFD.js";a();export{o as decodePngMetadata,e as encodePngMetadata,t as getTEXtChunk};
//# sourceMappingURL=image-GAAHSSAO-KGAEEDR2.js.map
