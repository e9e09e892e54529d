import{a as o}from"./chunk-7IZQHV7Z.js";import{e}from"./chunk-CZDRIFFD.js";e();var i=o(()=>`
  /* Font Awesome icon styling - consolidated */
  .label-icon {
    display: inline-block;
    height: 1em;
    overflow: visible;
    vertical-align: -0.125em;
  }
  
  .node .label-icon path {
    fill: currentColor;
    stroke: revert;
    stroke-width: revert;
  }
`,"getIconStyles");export{i as a};
//# sourceMappingURL=chunk-AMLHYLAK.js.map
