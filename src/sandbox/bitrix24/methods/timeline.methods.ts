import type { FieldDef } from '../entity-schema';
import { ENTITY_BY_TYPE_ID, toCamel } from '../entity-schema';
import { formatRow, resolveSelect } from '../entity-fields';
import type { CallContext, MethodTable } from '../method-types';
import { asRecord, done, param } from '../method-types';
import type { Row, TimelineComment } from '../portal-state';
import { refuse } from '../rest-failure';
import { runList } from '../list-query';
import { fieldSet, tableOf } from './simple-table';

/**
 * crm.timeline.comment.add / list / update / delete. `fields` must be lowercase since crm
 * 23.100.0; an unknown owner is OWNER_NOT_FOUND and an empty text INVALID_ARG_VALUE
 * (docs:api-reference/crm/timeline/comments/crm-timeline-comment-add).
 */
const OWNER_KIND: Record<string, 'deal' | 'company' | 'contact' | undefined> = { deal: 'deal', company: 'company', contact: 'contact' };

const def = (name: string, type: FieldDef['type']): FieldDef => ({ name, camel: toCamel(name), type, title: name });
const COMMENT_FIELDS = fieldSet([
  def('ID', 'integer'), def('CREATED', 'datetime'), def('ENTITY_ID', 'integer'), def('ENTITY_TYPE', 'string'),
  def('AUTHOR_ID', 'user'), def('COMMENT', 'string'),
]);

function ownerExists(ctx: CallContext, type: string, id: number): boolean {
  const kind = OWNER_KIND[type.toLowerCase()] ?? ENTITY_BY_TYPE_ID[Number(type)];
  return kind !== undefined && ctx.state.tables[kind].rows.has(id);
}

const toRow = (comment: TimelineComment): Row => ({ ...comment });

export const timelineMethods: MethodTable = {
  'crm.timeline.comment.add': (params, ctx) => {
    if (!('fields' in params)) return refuse('INVALID_ARG_VALUE', "Required parameter 'fields' is missing (it must be lowercase)", 400);
    const fields = asRecord(params.fields);
    const entityId = Number(fields.ENTITY_ID);
    const entityType = String(fields.ENTITY_TYPE ?? '').toLowerCase();
    const text = typeof fields.COMMENT === 'string' ? fields.COMMENT.trim() : '';
    if (text === '') return refuse('INVALID_ARG_VALUE', 'Comment text is empty', 400);
    if (!ownerExists(ctx, entityType, entityId)) return refuse('OWNER_NOT_FOUND', 'Owner entity not found', 400);
    const id = ctx.state.comments.length === 0 ? 1 : (ctx.state.comments[ctx.state.comments.length - 1]?.ID ?? 0) + 1;
    const authorId = Number(fields.AUTHOR_ID ?? ctx.auth.userId) || ctx.auth.userId;
    ctx.state.comments.push({ ID: id, ENTITY_ID: entityId, ENTITY_TYPE: entityType, COMMENT: String(fields.COMMENT), AUTHOR_ID: authorId, CREATED: ctx.now() });
    return done(id, { rows: 1 });
  },
  'crm.timeline.comment.list': (params, ctx) => {
    const page = runList({
      table: tableOf(ctx.state.comments.map(toRow)), set: COMMENT_FIELDS, camel: false,
      filter: param(params, 'filter'), order: param(params, 'order') ?? { CREATED: 'DESC' }, start: param(params, 'start'),
    });
    const select = resolveSelect(COMMENT_FIELDS, param(params, 'select'), false);
    const rows = page.rows.map((row) => formatRow(row, select, false));
    return done(rows, { total: page.total, next: page.next, rows: rows.length });
  },
  'crm.timeline.comment.update': (params, ctx) => {
    const comment = ctx.state.comments.find((item) => item.ID === Number(param(params, 'id')));
    if (!comment) return refuse('NOT_FOUND', 'Comment not found', 400);
    const text = asRecord(params.fields).COMMENT;
    if (typeof text !== 'string' || text.trim() === '') return refuse('INVALID_ARG_VALUE', 'Comment text is empty', 400);
    comment.COMMENT = text;
    return done(comment.ID);
  },
  'crm.timeline.comment.delete': (params, ctx) => {
    const before = ctx.state.comments.length;
    ctx.state.comments = ctx.state.comments.filter((item) => item.ID !== Number(param(params, 'id')));
    return before === ctx.state.comments.length ? refuse('NOT_FOUND', 'Comment not found', 400) : done(true);
  },
};
