import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/executor.ts';
import type { CustomFieldTable, LocationTable } from '../../platform/db/tables.ts';

/** Locations and custom-field definitions: the catalogues the ITSM dialect refers to. */
export type LocationRow = Selectable<LocationTable>;
export type CustomFieldRow = Selectable<CustomFieldTable>;

export async function listLocations(db: Executor): Promise<LocationRow[]> {
  return db.selectFrom('locations').selectAll().orderBy('name').execute();
}

export async function findLocationById(db: Executor, id: number) {
  return db.selectFrom('locations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findLocationByName(db: Executor, name: string) {
  return db.selectFrom('locations').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertLocation(db: Executor, name: string, now: string): Promise<number> {
  const row = await db
    .insertInto('locations')
    .values({ name, createdAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateLocationName(db: Executor, id: number, name: string): Promise<void> {
  await db.updateTable('locations').set({ name }).where('id', '=', id).execute();
}

export async function deleteLocation(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('locations').where('id', '=', id).execute();
}

export async function listCustomFields(db: Executor): Promise<CustomFieldRow[]> {
  return db.selectFrom('customFields').selectAll().orderBy('module').orderBy('id').execute();
}

export async function findCustomFieldById(db: Executor, id: number) {
  return db.selectFrom('customFields').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findCustomField(db: Executor, module: string, name: string) {
  return db
    .selectFrom('customFields')
    .selectAll()
    .where('module', '=', module)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function insertCustomField(
  db: Executor,
  values: { module: string; name: string; type: number; required: number; options: string | null },
  now: string,
): Promise<number> {
  const row = await db
    .insertInto('customFields')
    .values({ ...values, createdAt: now, updatedAt: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateCustomField(
  db: Executor,
  id: number,
  values: Partial<{
    module: string;
    name: string;
    type: number;
    required: number;
    options: string | null;
  }>,
  now: string,
): Promise<void> {
  await db
    .updateTable('customFields')
    .set({ ...values, updatedAt: now })
    .where('id', '=', id)
    .execute();
}

/** Whether any todo holds a value for the field. */
export async function customFieldInUse(db: Executor, fieldId: number): Promise<boolean> {
  const row = await db
    .selectFrom('todoCustomValues')
    .select('todoId')
    .where('fieldId', '=', fieldId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteCustomField(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('customFields').where('id', '=', id).execute();
}
