import{a as o,b as r}from"./chunk-4353F27D.js";import"./chunk-UESNFUQT.js";import{e}from"./chunk-CZDRIFFD.js";e();export{o as EventModelingModule,r as createEventModelingServices};
//# sourceMappingURL=eventmodeling-NTZA5JFV-UL2QAGYU.js.map
