"""Contrastive losses with several positives per row (captions that describe many images)."""
import torch
import torch.nn.functional as F


def soft_infonce(logits, positives):
    """Symmetric InfoNCE where positives [n_img, n_cap] (bool) may hold several per row/column:
    the target distribution is uniform over the positives (diagonal always included)."""
    pos = positives.float()
    target_i2t = pos / pos.sum(dim=1, keepdim=True)
    target_t2i = (pos / pos.sum(dim=0, keepdim=True)).t()
    loss_i2t = -(target_i2t * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
    loss_t2i = -(target_t2i * F.log_softmax(logits.t(), dim=1)).sum(dim=1).mean()
    return (loss_i2t + loss_t2i) / 2


def positives_by_attributes(labels, named):
    """labels [b, f] value ids of the batch's images; named [b, f] the caption's named values
    (-1 = not named). Caption j is a positive of image i when i has all j names."""
    ok = (named[None, :, :] < 0) | (labels[:, None, :] == named[None, :, :])
    return ok.all(dim=2)


def positives_by_text(text_ids):
    """Only identical texts are known positives (sub-captions: what they name is not labelled)."""
    return text_ids[:, None] == text_ids[None, :]
