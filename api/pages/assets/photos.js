// The photo list the family pages share (`/` and the case page): chosen photos shown with their
// number and file name, each refused at once in the browser when it is too large or not an image,
// and API errors told with the photo they concern ("Photo 2, IMG_1234.jpg: …").
import { el, errorText, showError, t } from './common.js';

/** "Photo 2, IMG_1234.jpg: <what is wrong>" */
export function photoMessage(n, name, message) {
  return t('family:errPhoto', { n, name: name || 'photo', message });
}

/** An API error as the family reads it, naming the photo when the server said which one. */
export function uploadErrorText(result, photos) {
  const err = (result.data && result.data.error) || {};
  const i = err.photoIndex;
  const text = errorText(result.data);
  if (typeof i === 'number' && photos[i]) return photoMessage(i + 1, photos[i].file.name, text);
  return text;
}

/**
 * A list of chosen photos. `maxMb` and `maxPhotos` come from the page (the server's limits);
 * a refused photo is never added, so nothing over the limit is uploaded.
 */
export function photoPicker({ list, error, maxPhotos, maxMb, onChange }) {
  /** @type {{file: File, url: string, faceIndex?: number}[]} */
  let photos = [];
  const render = () => {
    list.replaceChildren(
      ...photos.map((p, i) =>
        el(
          'li',
          { class: 'chosen-item' },
          el('img', { src: p.url, alt: t('family:photoAlt', { n: i + 1 }) }),
          el('span', { class: 'name', text: `${i + 1}. ${p.file.name || 'photo'}` }),
          el('button', {
            type: 'button',
            class: 'button secondary small',
            'aria-label': t('family:removePhoto', { n: i + 1 }),
            text: t('family:remove'),
            onclick: () => remove(i),
          }),
        ),
      ),
    );
    onChange(photos);
  };
  const remove = (i) => {
    const [p] = photos.splice(i, 1);
    if (p) URL.revokeObjectURL(p.url);
    showError(error, '');
    render();
  };
  return {
    get photos() {
      return photos;
    },
    add(files) {
      const problems = [];
      let dropped = 0;
      for (const file of files) {
        const n = photos.length + 1;
        if (photos.length >= maxPhotos) {
          dropped++;
          continue;
        }
        if (file.type && !file.type.startsWith('image/'))
          problems.push(photoMessage(n, file.name, t('family:errNotImage')));
        else if (file.size > maxMb * 1024 * 1024)
          problems.push(photoMessage(n, file.name, t('family:errTooBig', { mb: maxMb })));
        else photos.push({ file, url: URL.createObjectURL(file) });
      }
      if (dropped > 0) problems.push(t('family:errTooMany', { max: maxPhotos }));
      showError(error, problems.join(' '));
      render();
    },
    clear() {
      for (const p of photos) URL.revokeObjectURL(p.url);
      photos = [];
      render();
    },
  };
}
