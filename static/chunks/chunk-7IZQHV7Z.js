import{e as a}from"./chunk-CZDRIFFD.js";a();var o=Object.defineProperty,n=(r,e)=>o(r,"name",{value:e,configurable:!0}),f=(r,e)=>{for(var t in e)o(r,t,{get:e[t],enumerable:!0})};export{n as a,f as b};
//# sourceMappingURL=chunk-7IZQHV7Z.js.map
