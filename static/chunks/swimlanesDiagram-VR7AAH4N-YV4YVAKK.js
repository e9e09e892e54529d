import{a as e,b as m}from"./chunk-PAKNGH5B.js";import"./chunk-AMLHYLAK.js";import"./chunk-VWQSL5BM.js";import"./chunk-UOWUVLWX.js";import"./chunk-MDJ7NNP7.js";import"./chunk-CB73RTPR.js";import"./chunk-5OQ2SUJK.js";import"./chunk-GOFZ2ILF.js";import"./chunk-HE3QOWNT.js";import"./chunk-DECWZ7XW.js";import"./chunk-YSLIF7ML.js";import"./chunk-ND3NH7K5.js";import"./chunk-OVR5IV3I.js";import"./chunk-XH3T34GR.js";import"./chunk-CNTUT76U.js";import"./chunk-2IUVWCPQ.js";import"./chunk-7PLVCCZB.js";import"./chunk-MAUPPAKG.js";import"./chunk-BTN6AYYZ.js";import{a as o}from"./chunk-7IZQHV7Z.js";import{e as r}from"./chunk-CZDRIFFD.js";r();var i=o(t=>`${e(t)}
  .swimlane.cluster rect {
    stroke: ${t.clusterBorder} !important;
  }
  [data-look="neo"].cluster rect {
    filter: none;
  }
`,"getStyles"),p=i,F=m({defaultLayout:"swimlane",styles:p});export{F as diagram};
//# sourceMappingURL=swimlanesDiagram-VR7AAH4N-YV4YVAKK.js.map
