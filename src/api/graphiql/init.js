// Starts GraphiQL against this origin. Queries and mutations go over HTTP with the headers
// typed into the Headers tab; subscriptions go over /graphql/ws, and the same headers travel
// as the connection_init payload, which is where the server reads the access token.
(function () {
  "use strict";
  var httpUrl = new URL("/graphql", window.location.origin).toString();
  var wsUrl = new URL("/graphql/ws", window.location.origin);
  wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";

  function fetcher(params, options) {
    var headers = (options && options.headers) || {};
    return GraphiQL.createFetcher({
      url: httpUrl,
      subscriptionUrl: wsUrl.toString(),
      wsConnectionParams: headers,
    })(params, options);
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
