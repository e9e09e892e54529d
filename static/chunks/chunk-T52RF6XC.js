import{a as i}from"./chunk-7IZQHV7Z.js";import{e as t}from"./chunk-CZDRIFFD.js";t();var a=class{constructor(r){this.init=r,this.records=this.init()}static{i(this,"ImperativeState")}reset(){this.records=this.init()}};export{a};
//# sourceMappingURL=chunk-T52RF6XC.js.map
