/** ACL bindings and SCRAM users (what the signed-in principal may describe), adding an ACL. */
import { api } from '../api.js';
import { field, h, replace, select, status, table } from '../dom.js';

interface Acl {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

export async function securityPage(root: HTMLElement): Promise<void> {
  const aclBox = h('section', { 'aria-labelledby': 'acls-h' });
  const showAcls = async () => {
    const { acls } = await api<{ acls: Acl[] }>('GET', '/acls');
    replace(aclBox, h('h2', { id: 'acls-h' }, 'ACLs'),
      table('ACL bindings', ['Principal', 'Permission', 'Operation', 'Resource', 'Pattern', 'Host'],
        acls.map((a) => [a.principal, a.permission, a.operation, `${a.resource_type} ${a.resource_name}`, a.pattern_type, a.host])));
  };
  let aclError: string | null = null;
  await showAcls().catch((err: Error) => { aclError = err.message; });
  if (aclError !== null) replace(aclBox, h('h2', { id: 'acls-h' }, 'ACLs'), h('p', {}, aclError));

  const users = await api<{ users: { name: string; credentials: { mechanism: string; iterations: number }[] }[] }>('GET', '/users')
    .then((r) => table('SCRAM users', ['User', 'Mechanisms'], r.users.map((u) => [u.name, u.credentials.map((c) => `${c.mechanism} (${c.iterations})`).join(', ')])),
      (err: Error) => h('p', {}, err.message));

  const principal = h('input', { required: true, value: 'User:' });
  const resourceType = select(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID'], 'TOPIC');
  const resourceName = h('input', { required: true });
  const pattern = select(['LITERAL', 'PREFIXED'], 'LITERAL');
  const operation = select(['ALL', 'READ', 'WRITE', 'CREATE', 'DELETE', 'ALTER', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'ALTER_CONFIGS', 'IDEMPOTENT_WRITE'], 'READ');
  const permission = select(['ALLOW', 'DENY'], 'ALLOW');
  const added = status();
  const form = h('form', { 'aria-labelledby': 'add-acl-h' }, h('h2', { id: 'add-acl-h' }, 'Add an ACL'),
    field('Principal', principal), field('Resource type', resourceType), field('Resource name', resourceName), field('Pattern type', pattern),
    field('Operation', operation), field('Permission', permission), h('button', { type: 'submit' }, 'Add ACL'), added);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api('POST', '/acls', {
      principal: principal.value, resource_type: resourceType.value, resource_name: resourceName.value, pattern_type: pattern.value,
      operation: operation.value, permission: permission.value, host: '*',
    }).then(async () => { added.textContent = 'ACL added.'; await showAcls(); }, (err: Error) => { added.textContent = `Not added: ${err.message}`; });
  });
  replace(root, h('h1', {}, 'Security'), aclBox, form, h('section', { 'aria-labelledby': 'users-h' }, h('h2', { id: 'users-h' }, 'Users'), users));
}
