import{a as o,b as r}from"./chunk-7CDTHMO3.js";import"./chunk-4SYF3KK6.js";import{e}from"./chunk-CZDRIFFD.js";e();export{o as EventModelingModule,r as createEventModelingServices};
//# sourceMappingURL=eventmodeling-NTZA5JFV-L6N53B7C.js.map
