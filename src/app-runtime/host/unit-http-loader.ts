// `unit-http/loader` under Weft. Unit's loader made `require('http')` return
// unit-http; under Weft Node's http is served as it is, so there is nothing
// to redirect. It exists so that apps that still load it keep working.
export {};
