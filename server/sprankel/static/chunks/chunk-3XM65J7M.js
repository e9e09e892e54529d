import{a as i}from"./chunk-OLU5HDUR.js";import{e as t}from"./chunk-CZDRIFFD.js";t();var a=class{constructor(r){this.init=r,this.records=this.init()}static{i(this,"ImperativeState")}reset(){this.records=this.init()}};export{a};
//# sourceMappingURL=chunk-3XM65J7M.js.map
