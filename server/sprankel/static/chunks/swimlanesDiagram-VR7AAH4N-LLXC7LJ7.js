import{a as e,b as m}from"./chunk-3YKWUFML.js";import"./chunk-UYSYVQA6.js";import"./chunk-CTIN3EQ6.js";import"./chunk-IWV3ORJ6.js";import"./chunk-RZQLXHRV.js";import"./chunk-47RIU3ZN.js";import"./chunk-7675OGNL.js";import"./chunk-FLFHAEQJ.js";import"./chunk-7JKVOJGS.js";import"./chunk-IXSPXA5W.js";import"./chunk-YZSNVOBA.js";import"./chunk-NZ7ZE2OV.js";import"./chunk-PQUZMGCW.js";import"./chunk-Q5UO7TRF.js";import"./chunk-NEJT6I57.js";import"./chunk-NCEACQEA.js";import"./chunk-D2WPZM7U.js";import"./chunk-T2DRXS6R.js";import"./chunk-MLGN677X.js";import{a as o}from"./chunk-OLU5HDUR.js";import{e as r}from"./chunk-CZDRIFFD.js";r();var i=o(t=>`${e(t)}
  .swimlane.cluster rect {
    stroke: ${t.clusterBorder} !important;
  }
  [data-look="neo"].cluster rect {
    filter: none;
  }
`,"getStyles"),p=i,F=m({defaultLayout:"swimlane",styles:p});export{F as diagram};
//# sourceMappingURL=swimlanesDiagram-VR7AAH4N-LLXC7LJ7.js.map
