// Mounts GraphiQL (loaded before this file as the UMD global `GraphiQL`, on `React` and
// `ReactDOM`) into #graphiql. Served from the binary like everything the page loads; the
// page's CSP allows no inline script, so this lives in its own file.
//
// A browser signed in to Orgraph gets the page with
//   <meta name="orgraph-csrf-token" content="...">    sent as `x-csrf-token` with every request
//   <meta name="orgraph-signed-in-as" content="...">  shown next to the logo, with Sign out
// and its session cookie authenticates the requests. Without sign-in on the server the tags
// are absent and the caller pastes a bearer token into the headers pane.
(function () {
  'use strict';

  function meta(name) {
    var tag = document.querySelector('meta[name="' + name + '"]');
    return tag ? tag.getAttribute('content') : null;
  }

  var endpoint = meta('orgraph-endpoint') || '/graphql';
  var csrfToken = meta('orgraph-csrf-token');
  var signedInAs = meta('orgraph-signed-in-as');

  // GraphiQL calls this with the operation and, in `options.headers`, the headers pane's JSON.
  async function fetcher(params, options) {
    var headers = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    Object.assign(headers, (options && options.headers) || {});
    var response = await fetch(endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify(params),
      credentials: 'same-origin',
    });
    var text = await response.text();
    try {
      // GraphQL errors come with 4xx under application/graphql-response+json: show them too.
      return JSON.parse(text);
    } catch (_) {
      return { errors: [{ message: 'HTTP ' + response.status + ': ' + text }] };
    }
  }

  // The README's example operations, one tab each.
  var CREATE_A_NETWORK = [
    '# Create a network: a headquarters as its root. Put a token in the Headers pane first:',
    '#   orgraph token --email you@example.com',
    'mutation CreateNetwork {',
    '  addOrganization(input: { name: "Acme HQ" }) {',
    '    organization { id networkId name depth contractAccount { name billingEmail plan } }',
    '  }',
    '}',
    '',
  ].join('\n');

  var ADD_A_BRANCH = [
    '# Add regions and branches (use an id returned by CreateNetwork).',
    'mutation AddBranch($parentId: ID!) {',
    '  addSubOrganization(input: { parentId: $parentId, name: "Europe" }) {',
    '    organization { id depth parent { name } }',
    '  }',
    '}',
    '',
  ].join('\n');

  var WALK_THE_TREE = [
    '# Walk the tree: ancestors root first, the subtree in tree order, the children by name.',
    'query Tree($id: ID!) {',
    '  organization(id: $id) {',
    '    name depth',
    '    root { name }',
    '    ancestors { name depth }',
    '    children(first: 20) { totalCount edges { node { id name } } }',
    '    descendants(maxDepth: 2, first: 100) {',
    '      totalCount',
    '      edges { node { name depth } }',
    '      pageInfo { hasNextPage endCursor }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var SEARCH = [
    '# Search what you can see.',
    'query Search {',
    '  organizations(first: 10, filter: { nameContains: "eur" }) {',
    '    totalCount',
    '    edges { cursor node { id name networkId } }',
    '    pageInfo { hasNextPage endCursor }',
    '  }',
    '}',
    '',
  ].join('\n');

  var ID_VARIABLE = '{\n  "id": "paste an organization id"\n}';

  var props = {
    fetcher: fetcher,
    defaultEditorToolsVisibility: 'headers',
    defaultTabs: [
      { query: CREATE_A_NETWORK },
      { query: ADD_A_BRANCH, variables: '{\n  "parentId": "paste an organization id"\n}' },
      { query: WALK_THE_TREE, variables: ID_VARIABLE },
      { query: SEARCH },
    ],
  };
  if (!signedInAs) {
    props.defaultHeaders = '{\n  "Authorization": "Bearer <a token from: orgraph token --email you@example.com>"\n}';
  }

  // Who is signed in and the Sign out button; a sign-out the server refused stays on this
  // page and says so (the session may still be live).
  function SessionControls() {
    var state = React.useState(null);
    var error = state[0];
    var setError = state[1];

    function signOut() {
      setError(null);
      fetch('/auth/logout', {
        method: 'POST',
        headers: { 'x-csrf-token': csrfToken || '' },
        credentials: 'same-origin',
      }).then(
        function (response) {
          if (response.ok) {
            window.location.assign('/auth/signed-out');
          } else {
            setError('Sign out failed (HTTP ' + response.status + '). Reload the page and try again.');
          }
        },
        function () {
          setError('Sign out failed: the server could not be reached.');
        },
      );
    }

    return React.createElement(
      React.Fragment,
      null,
      React.createElement('span', { className: 'orgraph-signed-in' }, 'signed in as ' + signedInAs),
      React.createElement('button', { className: 'orgraph-sign-out', type: 'button', onClick: signOut }, 'Sign out'),
      error ? React.createElement('span', { className: 'orgraph-sign-out-error', role: 'alert' }, error) : null,
    );
  }

  var logo = React.createElement(
    GraphiQL.Logo,
    null,
    'Orgraph',
    signedInAs ? React.createElement(SessionControls) : null,
  );

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props, logo));
})();
